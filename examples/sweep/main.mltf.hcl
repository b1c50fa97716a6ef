# Hyperparameter search on the quickstart's digits training: the same 27
# trials with asynchronous successive halving (sweep.digits) and without
# early stopping (sweep.digits_full), to see what pruning saves. Trials run
# one at a time (each is a 2-rank training, which fills two cores), so the
# sampler sees the same history on every machine and the comparison is
# repeatable: with several at once, which trial ends first depends on load.
# The fixed param `arm` (which the training ignores) keeps the two sweeps'
# trials apart: without it a trial of one sweep would adopt the finished run
# of the other with the same params, and the comparison would depend on
# which sweep got there first.

mltf {
  state { url = "file://.mltf/state" }
  tracking { url = "sqlite://.mltf/tracking.db" }
  artifacts { url = "file://.mltf/artifacts" }
}

cluster "dev" {
  pool "cpu" { slots = 4 }
}

experiment "digits" {
  description = "Handwritten digits, small MLP, hyperparameter search"
}

locals {
  # One rank of the quickstart's training takes 23 steps an epoch (1,438
  # rows, 2 ranks, batches of 32): ASHA's first rung is the first epoch.
  steps_per_epoch = 23
}

sweep "digits" {
  experiment = experiment.digits
  pool       = cluster.dev.pool.cpu
  trial {
    code    = "../quickstart/src"
    command = ["python3", "train.py"]
    data    = { train = "../quickstart/data/digits.csv" }
    params  = { epochs = 20, arm = "asha" }
    distributed { procs_per_node = 2 }
  }
  param "lr" { log_uniform = [1e-3, 0.5] }
  param "hidden" { values = [16, 32, 64, 128] }
  objective {
    metric = "accuracy"
    goal   = "maximize"
  }
  sampler  = "tpe"
  seed     = 7
  trials   = 27
  parallel = 1
  early_stopping {
    rule             = "asha"
    min_step         = local.steps_per_epoch
    reduction_factor = 4
  }
}

sweep "digits_full" {
  experiment = experiment.digits
  pool       = cluster.dev.pool.cpu
  trial {
    code    = "../quickstart/src"
    command = ["python3", "train.py"]
    data    = { train = "../quickstart/data/digits.csv" }
    params  = { epochs = 20, arm = "full" }
    distributed { procs_per_node = 2 }
  }
  param "lr" { log_uniform = [1e-3, 0.5] }
  param "hidden" { values = [16, 32, 64, 128] }
  objective {
    metric = "accuracy"
    goal   = "maximize"
  }
  sampler  = "tpe"
  seed     = 7
  trials   = 27
  parallel = 1
}

output "best" {
  value = {
    asha = sweep.digits.best.value
    full = sweep.digits_full.best.value
  }
}
