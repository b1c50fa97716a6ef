# Outputs: what their values refer to.
variable "token" {
  type      = string
  default   = "s3cret"
  sensitive = true
}

experiment "e" {}

output "token" {
  value = var.token
}

output "typo" {
  value = experiment.e.idd
}
