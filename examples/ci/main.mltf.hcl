# mltf in CI: a pull request gets the plan as a comment, the merge applies
# exactly that saved plan. The stores are the team's, given to the jobs
# as MLTF_STATE_URL, MLTF_TRACKING_URL and MLTF_ARTIFACTS_URL (an s3://,
# gs:// or azblob:// bucket and a postgres:// database); the defaults
# below are for a run on a laptop.
#
# The training is the quickstart's (../quickstart/src) on its data: a
# 2-rank PyTorch DDP classifier of handwritten digits.

mltf {
  state { url = "file://.mltf/state" }
  tracking { url = "sqlite://.mltf/tracking.db" }
  artifacts { url = "file://.mltf/artifacts" }
}

# Where the data is. In CI, a bucket every job sees at the same URL (set
# MLTF_VAR_data_url=s3://ml-data/digits.csv): a saved plan records the
# dataset's fingerprint and path, and the merge's job must find the same
# ones. A path in the checkout differs from one runner to the next.
variable "data_url" {
  type    = string
  default = "../quickstart/data/digits.csv"
}

variable "epochs" {
  type    = number
  default = 5
}

cluster "ci" {
  pool "cpu" { slots = 2 }
}

dataset "digits" {
  source = var.data_url

  schema {
    column "label" {
      type   = "int64"
      values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    }
  }
  allow_extra_columns = true
}

experiment "digits" {
  description = "Handwritten digits, trained by CI on merge"
}

training "mlp" {
  experiment = experiment.digits
  pool       = cluster.ci.pool.cpu
  code       = "../quickstart/src"
  command    = ["python3", "train.py"]
  data       = { train = dataset.digits }
  params     = { lr = 0.05, epochs = var.epochs }

  distributed {
    procs_per_node = 2
  }
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
