# A deployment's per-worker resources are checked where they are written.
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
deployment "no_cpu" {
  model = model.m
  alias = "production"
  pool  = cluster.dev.pool.cpu
  cpus  = 0 # ERROR: Invalid cpus
}
deployment "half_gpu" {
  model = model.m
  alias = "production"
  pool  = cluster.dev.pool.cpu
  gpus  = 0.5 # ERROR: Invalid gpus
}
