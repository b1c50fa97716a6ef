# Training blocks: values the provider refuses.
cluster "dev" {
  pool "cpu" { slots = 2 }
}

experiment "e" {}

training "t" {
  experiment = experiment.e
  pool       = cluster.dev.pool.cpu
  code       = "."
  command    = ["python3", "train.py"]
  data       = { "train set" = "data.csv" }
  distributed {
    nodes   = 0
    backend = "mpi"
  }
  checkpoint {
    every = "soon"
  }
  retry {
    infrastructure = -1
  }
}
