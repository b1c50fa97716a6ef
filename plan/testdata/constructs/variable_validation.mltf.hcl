# Variable validation: what a condition may refer to.
variable "team" {
  type = string
  validation {
    condition     = local.min < length(var.team)
    error_message = "team names are longer"
  }
}

locals {
  min = 2
}
