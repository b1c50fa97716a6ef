variable "lr" {
  type    = number
  default =   # ERROR: Invalid expression
}
