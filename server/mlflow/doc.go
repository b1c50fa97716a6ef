// Package mlflow serves the core of MLflow's REST API 2.x under
// /api/2.0/mlflow over mltf's tracking store, so that MLflow clients log
// to mltf unchanged: experiments (create, get, get-by-name, search,
// update, delete, restore, set-experiment-tag), runs (create, get, update,
// delete, restore, search, log-metric, log-parameter, log-batch, set-tag,
// delete-tag), metrics/get-history, artifacts/list, registered models,
// model versions and aliases; and MLflow's artifact proxy under
// /api/2.0/mlflow-artifacts, through which clients upload and download
// the files of runs whose artifact URI is mlflow-artifacts:/runs/RUN_ID
// (a key of the server's artifact store).
//
// Each endpoint is a function of its decoded request that returns its
// answer or an error (handler); an apiError carries MLflow's error code.
//
// MLflow's ids are strings; mltf's experiments and runs keep theirs.
// Run statuses are MLflow's upper-case names of mltf's statuses. Params
// are text; a run's params logged by mltf itself (numbers, lists) show as
// their JSON text. Setting or deleting an alias goes through the model's
// gates (the Promote option), like mltf's own stage endpoint.
package mlflow
