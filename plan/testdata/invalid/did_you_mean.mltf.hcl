variable "lr" {
  default = 0.1
}

experiment "digits" {}

experiment "other" {
  description = var.lrr                  # ERROR: Reference to undeclared variable | Did you mean var.lr?
  tags        = { of = experiment.digit.id } # ERROR: Reference to undeclared experiment | Did you mean experiment.digits?
}
