# Sweep blocks: the trial, the search space, the objective, early stopping.
cluster "dev" {
  pool "cpu" { slots = 2 }
}

experiment "e" {}

sweep "s" {
  experiment = experiment.e
  pool       = cluster.dev.pool.cpu
  trial {
    code    = "."
    command = ["true"]
  }
  param "lr" { log_uniform = [0.5, 0.001] }
  param "hidden" { values = [] }
  objective {
    metric = "accuracy"
    goal   = "maximise"
  }
  sampler = "bayes"
  trials  = 0
  early_stopping {
    rule = "median"
  }
}
