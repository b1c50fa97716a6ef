mltf {
state { url = "file://.mltf/state" }
    tracking {
  url = "sqlite://.mltf/tracking.db"
    }
}

variable "lr" {
type = number
    default = 0.05
}

training "mlp" {
  experiment=experiment.digits
  pool = cluster.dev.pool.cpu
  code = "./src"
  command = ["python3","train.py"]
  params = { lr = var.lr, epochs = 20 }
  distributed {
    nodes = 1
    procs_per_node = 2
    backend = "auto"
  }
}
