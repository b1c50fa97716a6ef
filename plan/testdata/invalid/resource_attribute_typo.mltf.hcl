cluster "dev" {
  pool "cpu" { slots = 2 }
}

experiment "e" {}

training "t" {
  experiment = experiment.e
  pool       = cluster.dev.pool.cpu
  code       = "."
  command    = ["true"]
}

output "acc" {
  value = training.t.metric["accuracy"] # ERROR: Unsupported attribute | Did you mean training.t.metrics?
}
