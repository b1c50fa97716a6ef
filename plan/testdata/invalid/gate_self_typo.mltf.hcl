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
    condition = self.candidat.metrics.accuracy >= 0.9 # ERROR: Unsupported attribute of self in a gate | Did you mean self.candidate?
    message   = "below ${self.current.metric.accuracy}" # ERROR: Unsupported attribute of self in a gate | Did you mean self.current.metrics?
  }
}
