# A provider's diagnostics about a deployment point at the attribute or
# block they are about, else at the deployment.
cluster "dev" {
  pool "cpu" { slots = 1 }
}
training "t" {
  pool    = cluster.dev.pool.cpu
  code    = "./src"
  command = ["python3", "train.py"]
}
model "m" {
  from    = training.t
  aliases = ["production"]
}
deployment "unknown" {
  model = model.m
  alias = "production"
  pool  = cluster.dev.pool.cpu
  strategy "linear" {} # ERROR: Unknown strategy
}
deployment "falling" {
  model = model.m
  alias = "production"
  pool  = cluster.dev.pool.cpu
  strategy "canary" {
    steps = [50, 25] # ERROR: Invalid steps
  }
}
deployment "rate" {
  model = model.m
  alias = "production"
  pool  = cluster.dev.pool.cpu
  strategy "canary" {
    analysis { max_error_rate = 5 } # ERROR: Invalid error rate
  }
}
deployment "two" { # ERROR: More than one strategy
  model = model.m
  alias = "production"
  pool  = cluster.dev.pool.cpu
  strategy "canary" {}
  strategy "shadow" {}
}
deployment "nothing" { # ERROR: Nothing to serve
  model = model.m
  pool  = cluster.dev.pool.cpu
}
