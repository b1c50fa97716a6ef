# Deployment blocks: what they serve and the rollout strategy.
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
  strategy "linear" {}
}
deployment "falling" {
  model = model.m
  alias = "production"
  pool  = cluster.dev.pool.cpu
  strategy "canary" {
    steps = [50, 25]
  }
}
deployment "rate" {
  model = model.m
  alias = "production"
  pool  = cluster.dev.pool.cpu
  strategy "canary" {
    analysis { max_error_rate = 5 }
  }
}
deployment "two" {
  model = model.m
  alias = "production"
  pool  = cluster.dev.pool.cpu
  strategy "canary" {}
  strategy "shadow" {}
}
deployment "nothing" {
  model = model.m
  pool  = cluster.dev.pool.cpu
}
