# A feature pipeline feeding a training: raw digits -> clean -> features ->
# a validated dataset -> a 2-rank PyTorch training -> a gated model.
# Appending rows to data/raw.csv and applying reruns every step and
# retrains; applying with no change runs nothing.

mltf {
  state { url = "file://.mltf/state" }
  tracking { url = "sqlite://.mltf/tracking.db" }
  artifacts { url = "file://.mltf/artifacts" }
}

cluster "dev" {
  pool "cpu" { slots = 2 }
}

dataset "raw" {
  source = "data/raw.csv"
  format = "csv"
}

pipeline "prep" {
  pool = cluster.dev.pool.cpu

  step "clean" {
    code    = "./steps/clean"
    command = ["python3", "clean.py"]
    inputs  = { raw = dataset.raw }
    outputs = ["clean.csv"]
  }

  step "features" {
    code    = "./steps/features"
    command = ["python3", "features.py"]
    inputs  = { clean = step.clean.outputs["clean.csv"] }
    outputs = ["features.csv"]
    retry {
      user_error = 1
      backoff    = "5s"
    }
  }
}

# The features as a dataset: validated and fingerprinted like any other, so
# the training reads a versioned data set.
dataset "features" {
  source = pipeline.prep.outputs["features.features.csv"]
  format = "csv"
  schema {
    column "label" {
      type   = "int64"
      values = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]
    }
  }
  allow_extra_columns = true
}

experiment "digits" {}

training "mlp" {
  experiment = experiment.digits
  pool       = cluster.dev.pool.cpu
  code       = "../quickstart/src"
  command    = ["python3", "train.py"]
  data       = { train = dataset.features }
  params     = { lr = 0.05, epochs = 8 }

  distributed { procs_per_node = 2 }
}

model "digits" {
  from    = training.mlp
  aliases = ["production"]

  gate {
    condition = self.candidate.metrics.accuracy >= 0.8
    message   = "accuracy below the production bar"
  }
}

output "accuracy" { value = training.mlp.metrics["accuracy"] }
output "rows" { value = dataset.features.row_count }
