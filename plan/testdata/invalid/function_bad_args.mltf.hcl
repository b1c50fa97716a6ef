experiment "a" {
  description = upper(1, 2) # ERROR: Too many function arguments
}
