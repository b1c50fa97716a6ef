# Serving: train the digits model, register it, serve it, roll out a new
# version by canary, and watch a broken one roll back. See
# docs/deployments.md.
#
#   mltf apply                        # version 1 serves at http://127.0.0.1:8080
#   mltf apply -var lr=0.08           # version 2: canary 10% -> 50% -> 100%
#   mltf apply -var fault=error       # version 3 fails at 10% and rolls back
#   mltf deployments show digits
#   mltf deployments plot digits -o latency.png

mltf {
  state { url = "file://.mltf/state" }
  tracking { url = "sqlite://.mltf/tracking.db" }
  artifacts { url = "file://.mltf/artifacts" }
}

variable "lr" {
  type    = number
  default = 0.05
}

variable "fault" {
  type        = string
  default     = "none"
  description = "\"error\" exports a model that fails on every request."
}

variable "listen" {
  type    = string
  default = "127.0.0.1:8080"
}

cluster "dev" {
  pool "cpu" { slots = 2 }
}

experiment "digits" {}

training "mlp" {
  experiment = experiment.digits
  pool       = cluster.dev.pool.cpu
  code       = "./src"
  command    = ["python3", "train.py"]
  data       = { train = "../quickstart/data/digits.csv" }
  params     = { lr = var.lr, fault = var.fault }
}

model "digits" {
  from    = training.mlp
  aliases = ["production"]

  gate {
    condition = self.candidate.metrics.accuracy >= 0.9
    message   = "accuracy below the production bar"
  }
}

deployment "digits" {
  model    = model.digits
  alias    = "production"
  pool     = cluster.dev.pool.cpu
  replicas = 2
  listen   = var.listen

  batching {
    max_batch_size = 32
    max_latency    = "5ms"
  }

  strategy "canary" {
    steps    = [10, 50, 100]
    interval = "5s"
    analysis {
      max_error_rate  = 0.01
      max_p99         = "500ms"
      max_input_drift = 0.2
    }
  }
}

output "url" { value = deployment.digits.url }
output "serving_version" { value = deployment.digits.serving_version }
