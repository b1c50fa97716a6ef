package main

import (
	"net"
	"testing"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

// The answers over a real UDP socket, from indexers holding what the
// informers would: a run's headless Service with pods 0 and 1, a
// ClusterIP Service, and a not-ready endpoint that must not be served.
func TestAnswers(t *testing.T) {
	services := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	slices := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{byService: func(obj any) ([]string, error) {
		s := obj.(*discoveryv1.EndpointSlice)
		return []string{s.Namespace + "/" + s.Labels[discoveryv1.LabelServiceName]}, nil
	}})
	services.Add(&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "mltf-mlp-1a2b", Namespace: "ml"}, Spec: corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone}})
	services.Add(&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ml"}, Spec: corev1.ServiceSpec{ClusterIP: "10.96.0.7", ClusterIPs: []string{"10.96.0.7"}}})
	yes, no := true, false
	ep := func(host, ip string, ready *bool) discoveryv1.Endpoint {
		return discoveryv1.Endpoint{Hostname: &host, Addresses: []string{ip}, Conditions: discoveryv1.EndpointConditions{Ready: ready}}
	}
	slices.Add(&discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: "mltf-mlp-1a2b-x", Namespace: "ml", Labels: map[string]string{discoveryv1.LabelServiceName: "mltf-mlp-1a2b"}},
		Endpoints: []discoveryv1.Endpoint{
			ep("mltf-mlp-1a2b-1-0", "10.250.0.5", &yes),
			ep("mltf-mlp-1a2b-1-1", "10.250.0.6", nil),
			ep("mltf-mlp-1a2b-1-2", "10.250.0.9", &no),
		},
	})

	h := &handler{zone: "cluster.local.", services: services, slices: slices}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: h}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })

	for _, c := range []struct {
		name  string
		qtype uint16
		rcode int
		want  []string
	}{
		{"mltf-mlp-1a2b-1-0.mltf-mlp-1a2b.ml.svc.cluster.local.", dns.TypeA, dns.RcodeSuccess, []string{"10.250.0.5"}},
		{"MLTF-MLP-1A2B-1-1.mltf-mlp-1a2b.ml.svc.cluster.local.", dns.TypeA, dns.RcodeSuccess, []string{"10.250.0.6"}},
		{"mltf-mlp-1a2b-1-0.mltf-mlp-1a2b.ml.svc.cluster.local.", dns.TypeAAAA, dns.RcodeSuccess, nil},
		{"mltf-mlp-1a2b-1-2.mltf-mlp-1a2b.ml.svc.cluster.local.", dns.TypeA, dns.RcodeNameError, nil},
		{"mltf-mlp-1a2b.ml.svc.cluster.local.", dns.TypeA, dns.RcodeSuccess, []string{"10.250.0.5", "10.250.0.6"}},
		{"web.ml.svc.cluster.local.", dns.TypeA, dns.RcodeSuccess, []string{"10.96.0.7"}},
		{"ml.svc.cluster.local.", dns.TypeA, dns.RcodeSuccess, nil},
		// The search path's other tries for a short MASTER_ADDR.
		{"mltf-mlp-1a2b-1-0.mltf-mlp-1a2b.svc.cluster.local.", dns.TypeA, dns.RcodeNameError, nil},
		{"mltf-mlp-1a2b-1-0.mltf-mlp-1a2b.cluster.local.", dns.TypeA, dns.RcodeNameError, nil},
		{"web.other.svc.cluster.local.", dns.TypeA, dns.RcodeNameError, nil},
		{"example.com.", dns.TypeA, dns.RcodeRefused, nil},
	} {
		t.Run(c.name+"/"+dns.TypeToString[c.qtype], func(t *testing.T) {
			m := new(dns.Msg)
			m.SetQuestion(c.name, c.qtype)
			r, err := dns.Exchange(m, pc.LocalAddr().String())
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, rr := range r.Answer {
				got = append(got, rr.(*dns.A).A.String())
			}
			if r.Rcode != c.rcode || len(got) != len(c.want) {
				t.Fatalf("rcode %s, answers %v; want %s, %v", dns.RcodeToString[r.Rcode], got, dns.RcodeToString[c.rcode], c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("answers %v, want %v", got, c.want)
				}
			}
		})
	}
}
