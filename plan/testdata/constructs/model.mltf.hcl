# Model blocks: gates and their self references.
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

model "m" {
  from    = training.t
  aliases = ["production"]
  gate {
    condition = self.candidate.metrics.accuracy >= 0.9
  }
  gate {
    condition = self.candidat.metrics.accuracy >= 0.9
    message   = "below ${self.current.metric.accuracy}"
  }
}
