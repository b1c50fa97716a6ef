// Logs to mltf server with the npm mlflow client as an MLflow user would,
// and writes what the client read back to the file named by argv[3].
// Usage: node client.js SERVER_URL OUT_FILE   (MLTF_TOKEN in the environment)
const fs = require('fs')
const MLflow = require('mlflow').default || require('mlflow')

const [endpoint, out] = process.argv.slice(2)
const client = new MLflow({ endpoint, headers: { Authorization: 'Bearer ' + process.env.MLTF_TOKEN } })
const { Experiments, Runs, Metrics, Artifacts } = client

;(async () => {
  const { experiment_id } = await Experiments.create({ name: 'npm-client' })
  const { experiment } = await Experiments.get({ experiment_id })
  const { experiments } = await Experiments.list()

  const t0 = Date.now()
  const { run } = await Runs.create({ experiment_id, user_id: 'node', start_time: t0, tags: [{ key: 'client', value: 'npm mlflow' }] })
  const run_id = run.info.run_id
  for (let step = 0; step < 5; step++) {
    await Runs.logMetric({ run_id, key: 'loss', value: 1 / (step + 1), timestamp: t0 + step, step })
  }
  await Runs.logParameter({ run_id, key: 'lr', value: '0.01' })
  await Runs.logBatch({
    run_id,
    metrics: [{ key: 'accuracy', value: 0.91, timestamp: t0, step: 4 }, { key: 'f1', value: 0.88, timestamp: t0, step: 4 }],
    params: [{ key: 'optimizer', value: 'adam' }],
    tags: [{ key: 'phase', value: 'eval' }],
  })
  await Runs.setTag({ run_id, key: 'owner', value: 'node' })

  let paramChanged = false
  try {
    await Runs.logParameter({ run_id, key: 'lr', value: '0.5' })
  } catch (e) {
    paramChanged = String(e).includes('INVALID_PARAMETER_VALUE')
  }

  await Runs.update({ run_id, status: 'FINISHED', end_time: t0 + 1000 })
  const got = await Runs.get({ run_id })
  const history = await Metrics.getHistory({ run_id, metric_key: 'loss' })
  const found = await Runs.search({ experiment_ids: [experiment_id], filter: 'metrics.accuracy > 0.9', order_by: ['metrics.accuracy DESC'] })
  const none = await Runs.search({ experiment_ids: [experiment_id], filter: 'metrics.accuracy > 0.95' })

  // Artifacts: the client lists them; files go up as MLflow's artifact
  // repository sends them, a PUT to the proxy under the run's artifact URI.
  const root = got.run.info.artifact_uri.replace(/^mlflow-artifacts:\//, '')
  const put = await fetch(`${endpoint}/api/2.0/mlflow-artifacts/artifacts/${root}/model/weights.txt`, {
    method: 'PUT', body: '0.1 0.2 0.3\n', headers: { Authorization: 'Bearer ' + process.env.MLTF_TOKEN },
  })
  if (!put.ok) throw new Error(`upload: ${put.status} ${await put.text()}`)
  const artifacts = await Artifacts.list({ run_id })
  const modelFiles = await Artifacts.list({ run_id, path: 'model' })

  // Delete and restore a run and an experiment.
  await Runs.delete({ run_id })
  const deletedRun = await Runs.get({ run_id })
  const hidden = await Runs.search({ experiment_ids: [experiment_id] })
  await Runs.restore({ run_id })
  const restored = await Runs.search({ experiment_ids: [experiment_id] })
  await Experiments.delete({ experiment_id })
  const deletedExperiment = (await Experiments.get({ experiment_id })).experiment
  await Experiments.restore({ experiment_id })
  const restoredExperiment = (await Experiments.get({ experiment_id })).experiment

  fs.writeFileSync(out, JSON.stringify({
    experiment, experiments, run: got.run, history, found, none, paramChanged, artifacts, modelFiles,
    deletedRun: deletedRun.run, hidden, restored, deletedExperiment, restoredExperiment,
  }, null, 1))
})().catch((e) => {
  console.error(String(e))
  process.exit(1)
})
