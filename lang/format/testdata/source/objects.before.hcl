locals {
  params = {
    lr = 0.1
    batch_size = 32
    schedule = {
      kind = "cosine"
      warmup_steps = 100
    }
  }
  workers = [
  "a",
      "b",
  ]
  names = [for w in local.workers : upper(w) if w!="b"]
}
