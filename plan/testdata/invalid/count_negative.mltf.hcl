variable "n" {
  type = number
}

experiment "none" {
  count = -1 # ERROR: Invalid count argument | zero or more; got -1
}

experiment "half" {
  count = 1.5 # ERROR: Invalid count argument | zero or more; got 1.5
}

experiment "word" {
  count = "two" # ERROR: Invalid count argument | count must be a whole number
}

# Known only with a value: mltf validate lets it through.
experiment "from_variable" {
  count = var.n
}
