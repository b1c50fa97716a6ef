# Training blocks: the body against the kind's schema.
cluster "dev" {
  pool "cpu" { slots = 2 }
}

experiment "e" {}

training "t" {
  experiment = experiment.e
  pool       = cluster.dev.pool.cpu
  code       = "."
  command    = "python3 train.py"
  schedule {}
}
