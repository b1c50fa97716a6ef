# Clusters and pools.
cluster "dev" {
  pool {
    slots = 1
  }
  pool "cpu" {
    slots = "many"
  }
}
