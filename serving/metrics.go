package serving

import (
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the front end's Prometheus metrics, in a registry of its
// own.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	batches  *prometheus.HistogramVec
	weight   *prometheus.GaugeVec
	shadow   *prometheus.GaugeVec
}

func newMetrics(model string, drift func() []ColumnDrift) *metrics {
	labels := prometheus.Labels{"model": model}
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mltf_serving_requests_total", Help: "Inference requests by version, role (live or shadow) and HTTP status code.", ConstLabels: labels,
		}, []string{"version", "role", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "mltf_serving_request_duration_seconds", Help: "Inference latency in the front end, by version and role.", ConstLabels: labels,
			Buckets: []float64{.0005, .001, .002, .003, .005, .0075, .01, .015, .02, .03, .05, .075, .1, .15, .25, .5, 1, 2.5},
		}, []string{"version", "role"}),
		batches: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "mltf_serving_batch_size", Help: "Rows per batch sent to a worker, by version.", ConstLabels: labels,
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
		}, []string{"version"}),
		weight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "mltf_serving_traffic_weight", Help: "Share of live traffic routed to each version, in percent.", ConstLabels: labels,
		}, []string{"version"}),
		shadow: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "mltf_serving_shadow_percent", Help: "Percentage of live requests mirrored to each shadow version.", ConstLabels: labels,
		}, []string{"version"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.batches, m.weight, m.shadow,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	if drift != nil {
		m.reg.MustRegister(&driftCollector{desc: prometheus.NewDesc("mltf_serving_input_drift_psi",
			"PSI of the live inputs against the serving version's training data since it took the traffic (or the front end started), by column.", []string{"column"}, labels), drift: drift})
	}
	return m
}

// driftCollector reports the drift of each column when scraped.
type driftCollector struct {
	desc  *prometheus.Desc
	drift func() []ColumnDrift
}

func (c *driftCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }
func (c *driftCollector) Collect(ch chan<- prometheus.Metric) {
	for _, d := range c.drift() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, d.PSI, d.Column)
	}
}

// versionMetrics is what one version measures, for the analysis (exact
// cumulative counts) and for Prometheus.
type versionMetrics struct {
	live, shadow roleMetrics
	batchRows    atomic.Int64
	batchCount   atomic.Int64
	promBatch    prometheus.Observer
}

type roleMetrics struct {
	requests, errors atomic.Int64
	latency          Histogram
	prom             prometheus.Observer
	ok, failed       prometheus.Counter
	codes            *prometheus.CounterVec
	version, role    string
}

func (m *metrics) forVersion(v int64) *versionMetrics {
	s := strconv.FormatInt(v, 10)
	vm := &versionMetrics{promBatch: m.batches.WithLabelValues(s)}
	for _, r := range []struct {
		rm   *roleMetrics
		name string
	}{{&vm.live, "live"}, {&vm.shadow, "shadow"}} {
		r.rm.prom = m.latency.WithLabelValues(s, r.name)
		r.rm.ok = m.requests.WithLabelValues(s, r.name, "200")
		r.rm.codes, r.rm.version, r.rm.role = m.requests, s, r.name
	}
	return vm
}

func (vm *versionMetrics) batch(rows int) {
	vm.batchRows.Add(int64(rows))
	vm.batchCount.Add(1)
	vm.promBatch.Observe(float64(rows))
}

// done records one request of the role that took d and ended with code.
func (r *roleMetrics) done(d time.Duration, code int) {
	r.requests.Add(1)
	r.latency.Observe(d)
	r.prom.Observe(d.Seconds())
	if code == 200 {
		r.ok.Inc()
		return
	}
	r.errors.Add(1)
	r.codes.WithLabelValues(r.version, r.role, strconv.Itoa(code)).Inc()
}
