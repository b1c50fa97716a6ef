variable "x" {
  type = strang # ERROR: Invalid type specification
}
