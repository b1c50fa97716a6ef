# New data arrives: the dataset's fingerprint changes, the plan says the
# training is replaced because of it, the new run becomes a new version of
# the model, and the gate decides whether production moves to it.
#
# The training is the quickstart's (../quickstart/src): a 2-rank PyTorch
# DDP classifier of handwritten digits. data/digits.csv starts with the
# first 600 rows of the quickstart's data; README.md shows how new rows
# arrive.

mltf {
  state { url = "file://.mltf/state" }
  tracking { url = "sqlite://.mltf/tracking.db" }
  artifacts { url = "file://.mltf/artifacts" }
}

cluster "dev" {
  pool "cpu" { slots = 2 }
}

dataset "digits" {
  source = "data/digits.csv"

  schema {
    column "label" {
      type     = "int64"
      nullable = false
      values   = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    }
  }
  allow_extra_columns = true # the 64 pixel columns

  checks {
    row_count { min = 500 }
  }
}

experiment "digits" {
  description = "Handwritten digits, retrained as data arrives"
}

training "mlp" {
  experiment = experiment.digits
  pool       = cluster.dev.pool.cpu
  code       = "../quickstart/src"
  command    = ["python3", "train.py"]
  data       = { train = dataset.digits }
  params     = { lr = 0.05, epochs = 20 }

  distributed {
    nodes          = 1
    procs_per_node = 2
  }
  checkpoint {
    every = "3s"
  }
}

# production follows the newest version only while it is good enough and
# no worse than the version production holds now.
model "digits" {
  from    = training.mlp
  aliases = ["production"]

  gate {
    condition = self.candidate.metrics.accuracy >= 0.9
    message   = "accuracy below the production bar of 0.9"
  }
  gate {
    condition = self.current == null || self.candidate.metrics.accuracy >= self.current.metrics.accuracy - 0.01
    message   = "accuracy worse than production's by more than 0.01"
  }
}

output "accuracy" { value = training.mlp.metrics["accuracy"] }
output "production" {
  value       = lookup(model.digits.aliases_at, "production", 0)
  description = "The version production points at; 0 while no version passed the gates."
}
