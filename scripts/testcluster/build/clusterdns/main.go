// Command clusterdns is the cluster DNS of the test cluster's real node
// (scripts/testcluster/realnode.sh): the part of Kubernetes' DNS
// specification that pods of the tests use, answered from the API server
// through client-go informers on Services and EndpointSlices.
//
//	SERVICE.NAMESPACE.svc.ZONE            a Service's cluster IP, or for a
//	                                      headless Service its endpoints'
//	HOSTNAME.SERVICE.NAMESPACE.svc.ZONE   the endpoint of a headless
//	                                      Service with that hostname (a
//	                                      pod's hostname and subdomain:
//	                                      rank 0's MASTER_ADDR)
//
// Every other name under ZONE is answered NXDOMAIN, and names outside it
// are refused, so no query leaves the machine.
//
//	clusterdns -kubeconfig FILE -listen 10.250.0.1:53 [-zone cluster.local]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

// ttl is the records' time to live in seconds, CoreDNS's default.
const ttl = 5

// byService indexes EndpointSlices by NAMESPACE/SERVICE.
const byService = "service"

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the API server")
	listen := flag.String("listen", "127.0.0.1:53", "address to serve DNS on (UDP and TCP)")
	zone := flag.String("zone", "cluster.local", "the cluster's domain")
	flag.Parse()
	if err := run(*kubeconfig, *listen, dns.Fqdn(strings.ToLower(*zone))); err != nil {
		log.Fatalf("clusterdns: %v", err)
	}
}

func run(kubeconfig, listen, zone string) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	factory := informers.NewSharedInformerFactory(client, 0)
	services := factory.Core().V1().Services().Informer()
	slices := factory.Discovery().V1().EndpointSlices().Informer()
	if err := slices.AddIndexers(cache.Indexers{byService: func(obj any) ([]string, error) {
		s := obj.(*discoveryv1.EndpointSlice)
		if svc := s.Labels[discoveryv1.LabelServiceName]; svc != "" {
			return []string{s.Namespace + "/" + svc}, nil
		}
		return nil, nil
	}}); err != nil {
		return err
	}
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), services.HasSynced, slices.HasSynced) {
		return fmt.Errorf("the informers did not sync with %s", cfg.Host)
	}

	h := &handler{zone: zone, services: services.GetIndexer(), slices: slices.GetIndexer()}
	errs := make(chan error, 2)
	var servers []*dns.Server
	var listening sync.WaitGroup
	for _, network := range []string{"udp", "tcp"} {
		listening.Add(1)
		s := &dns.Server{Addr: listen, Net: network, Handler: h, NotifyStartedFunc: listening.Done}
		servers = append(servers, s)
		go func() { errs <- s.ListenAndServe() }()
	}
	go func() {
		listening.Wait()
		log.Printf("clusterdns: serving %s on %s (udp, tcp) from %s", zone, listen, cfg.Host)
	}()
	select {
	case err = <-errs:
	case <-ctx.Done():
	}
	for _, s := range servers {
		s.ShutdownContext(context.Background())
	}
	return err
}

// handler answers from the informers' caches.
type handler struct {
	zone     string
	services cache.Indexer
	slices   cache.Indexer
}

func (h *handler) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	defer w.WriteMsg(m)
	if len(r.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		return
	}
	q := r.Question[0]
	name := strings.ToLower(q.Name)
	if !dns.IsSubDomain(h.zone, name) {
		m.Rcode = dns.RcodeRefused
		return
	}
	m.Authoritative = true
	ips, exists := h.lookup(name)
	if !exists {
		m.Rcode = dns.RcodeNameError
	}
	for _, ip := range ips {
		hdr := dns.RR_Header{Name: q.Name, Class: dns.ClassINET, Ttl: ttl}
		switch v4 := ip.To4(); {
		case v4 != nil && (q.Qtype == dns.TypeA || q.Qtype == dns.TypeANY):
			hdr.Rrtype = dns.TypeA
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: v4})
		case v4 == nil && (q.Qtype == dns.TypeAAAA || q.Qtype == dns.TypeANY):
			hdr.Rrtype = dns.TypeAAAA
			m.Answer = append(m.Answer, &dns.AAAA{Hdr: hdr, AAAA: ip})
		}
	}
	if len(m.Answer) == 0 {
		m.Ns = []dns.RR{h.soa()}
	}
}

// lookup returns the addresses of a name under the zone, and whether the
// name exists at all (a name with no address of the asked type is NODATA,
// not NXDOMAIN).
func (h *handler) lookup(name string) ([]net.IP, bool) {
	rel := strings.TrimSuffix(strings.TrimSuffix(name, h.zone), ".")
	var labels []string
	if rel != "" {
		labels = strings.Split(rel, ".")
	}
	n := len(labels)
	if n == 0 || labels[n-1] != "svc" {
		return nil, n == 0
	}
	switch n {
	case 1, 2: // svc.ZONE, NAMESPACE.svc.ZONE
		return nil, true
	case 3: // SERVICE.NAMESPACE.svc.ZONE
		obj, ok, _ := h.services.GetByKey(labels[1] + "/" + labels[0])
		if !ok {
			return nil, false
		}
		svc := obj.(*corev1.Service)
		if svc.Spec.ClusterIP != corev1.ClusterIPNone {
			var ips []net.IP
			for _, s := range svc.Spec.ClusterIPs {
				if ip := net.ParseIP(s); ip != nil {
					ips = append(ips, ip)
				}
			}
			return ips, true
		}
		return h.endpoints(labels[1], labels[0], ""), true
	case 4: // HOSTNAME.SERVICE.NAMESPACE.svc.ZONE
		ips := h.endpoints(labels[2], labels[1], labels[0])
		return ips, len(ips) > 0
	}
	return nil, false
}

// endpoints returns the ready addresses of a Service's EndpointSlices,
// only those of the endpoint named hostname when it is not empty.
func (h *handler) endpoints(namespace, service, hostname string) []net.IP {
	objs, _ := h.slices.ByIndex(byService, namespace+"/"+service)
	var ips []net.IP
	for _, obj := range objs {
		for _, ep := range obj.(*discoveryv1.EndpointSlice).Endpoints {
			if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
				continue
			}
			if hostname != "" && (ep.Hostname == nil || *ep.Hostname != hostname) {
				continue
			}
			for _, a := range ep.Addresses {
				if ip := net.ParseIP(a); ip != nil {
					ips = append(ips, ip)
				}
			}
		}
	}
	return ips
}

func (h *handler) soa() dns.RR {
	return &dns.SOA{
		Hdr:     dns.RR_Header{Name: h.zone, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: ttl},
		Ns:      "ns.dns." + h.zone,
		Mbox:    "hostmaster." + h.zone,
		Serial:  uint32(time.Now().Unix()),
		Refresh: 7200, Retry: 1800, Expire: 86400, Minttl: ttl,
	}
}
