variable "x" {
  type    = number
  default = "abc" # ERROR: Invalid default value for variable
}
