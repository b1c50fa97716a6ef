# Pipeline blocks: steps and the schedule.
cluster "dev" {
  pool "cpu" { slots = 1 }
}
pipeline "p" {
  pool = cluster.dev.pool.cpu
  step "clean" {
    code       = "./steps"
    code_files = ["{clean.py"]
    command    = []
    outputs    = ["../clean.csv"]
  }
  schedule {
    cron = "0 3 * *"
  }
}
