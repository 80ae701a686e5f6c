package database

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// poolCollector exports the connection pool's state on /metrics: how many
// connections each instance holds and how often requests wait for one,
// the first sign that an instance's connection budget is too small (or
// that PostgreSQL is slow to answer).
type poolCollector struct {
	pool                                          *pgxpool.Pool
	conns, maxConns, acquires, emptyWaits, waited *prometheus.Desc
}

// PoolCollector is the pool's metrics (onramp_db_pool_*).
func (d *DB) PoolCollector() prometheus.Collector {
	return &poolCollector{
		pool:       d.Pool,
		conns:      prometheus.NewDesc("onramp_db_pool_connections", "Connections of this instance's pool, by state.", []string{"state"}, nil),
		maxConns:   prometheus.NewDesc("onramp_db_pool_max_connections", "The most connections the pool opens.", nil, nil),
		acquires:   prometheus.NewDesc("onramp_db_pool_acquires_total", "Connections handed out.", nil, nil),
		emptyWaits: prometheus.NewDesc("onramp_db_pool_empty_acquires_total", "Connections handed out after waiting, none being idle.", nil, nil),
		waited:     prometheus.NewDesc("onramp_db_pool_acquire_wait_seconds_total", "Time spent waiting for a connection.", nil, nil),
	}
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.conns, c.maxConns, c.acquires, c.emptyWaits, c.waited} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(s.AcquiredConns()), "acquired")
	ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(s.IdleConns()), "idle")
	ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(s.ConstructingConns()), "connecting")
	ch <- prometheus.MustNewConstMetric(c.maxConns, prometheus.GaugeValue, float64(s.MaxConns()))
	ch <- prometheus.MustNewConstMetric(c.acquires, prometheus.CounterValue, float64(s.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(c.emptyWaits, prometheus.CounterValue, float64(s.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(c.waited, prometheus.CounterValue, s.AcquireDuration().Seconds())
}
