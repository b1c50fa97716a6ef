experiment "a" {
  description = nosuchfunc("x") # ERROR: Call to unknown function
}
