experiment "a" {
  colour = "red" # ERROR: Unsupported argument
}
