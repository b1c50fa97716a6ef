# Variable blocks: type, default, attributes, validation, names.
variable "lr" {
  type    = numbr
  default = 0.1
}

variable "epochs" {
  type    = number
  default = "many"
}

variable "tag" {
  colour = "blue"
}

variable "tag" {}

variable "2fast" {}

variable "team" {
  validation {
    condition = length(var.team) > 2
  }
}
