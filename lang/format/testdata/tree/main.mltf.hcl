experiment "digits" {}

variable "lr" {
type = number
  default=0.05
}
