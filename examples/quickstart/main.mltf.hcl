# The quickstart: a real PyTorch DDP training of a small classifier on the
# UCI handwritten digits, 2 ranks with gloo on this machine's CPUs.

mltf {
  state { url = "file://.mltf/state" }
  tracking { url = "sqlite://.mltf/tracking.db" }
  artifacts { url = "file://.mltf/artifacts" }
}

variable "lr" {
  type        = number
  default     = 0.05
  description = "Learning rate of the optimizer."

  validation {
    condition     = var.lr > 0 && var.lr < 1
    error_message = "The learning rate must be between 0 and 1."
  }
}

# The Python that runs train.py; it must have torch. python.sh (run by
# run.sh) writes python.auto.mltfvars when the first python3 on PATH has
# none (Debian's PyTorch is /usr/bin/python3), so that a hand-run mltf
# apply uses the same.
variable "python" {
  type    = string
  default = "python3"
}

cluster "dev" {
  pool "cpu" { slots = 2 }
}

experiment "digits" {
  description = "Handwritten digits, small MLP"
}

training "mlp" {
  experiment = experiment.digits
  pool       = cluster.dev.pool.cpu
  code       = "./src"
  command    = [var.python, "train.py"]
  data       = { train = "data/digits.csv" }
  params     = { lr = var.lr, epochs = 20 }

  distributed {
    nodes          = 1
    procs_per_node = 2
    backend        = "auto" # gloo here: no GPUs in the pool
  }
  checkpoint {
    every = "3s"
    keep  = 3
  }
  retry {
    infrastructure = 3
    user_error     = 0
  }
}

# The registry: every new run of training.mlp becomes a version of the
# model; production moves to it only when the gate holds.
model "digits" {
  from    = training.mlp
  aliases = ["production"]

  gate {
    condition = self.candidate.metrics.accuracy >= 0.9 && (self.current == null || self.candidate.metrics.accuracy >= self.current.metrics.accuracy - 0.01)
    message   = "accuracy below the production bar"
  }
}

output "accuracy" {
  value       = training.mlp.metrics["accuracy"]
  description = "Accuracy on the held-out rows."
}

output "run_id" { value = training.mlp.run_id }
