cluster "dev" {
  pool "cpu" { slots = 2 }
}

experiment "e" {}

training "t" {
  experiment = experiment.e
  pool       = cluster.dev.pool.gpu # ERROR: Reference to undeclared pool | cluster.dev has no pool "gpu" (its pools: cpu).
  code       = "."
  command    = ["true"]
}
