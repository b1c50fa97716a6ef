# References to variables, locals, resources, pools and their attributes.
variable "lr" {
  default = 0.1
}

cluster "dev" {
  pool "cpu" { slots = 2 }
}

experiment "digits" {}

experiment "other" {
  description = var.lrr
  tags = {
    of    = experiment.digit.id
    local = local.missing
    pool  = cluster.dev.pool.gpu.name
    self  = experiment.other.id
  }
}

training "t" {
  experiment = experiment.digits
  pool       = cluster.dev.pool.cpu
  code       = "."
  command    = ["true"]
}

output "acc" {
  value = training.t.metric["accuracy"]
}
