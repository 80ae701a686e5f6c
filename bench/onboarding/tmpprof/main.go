package main

import (
	"context"
	"log/slog"
	"net/http"
	_ "net/http/pprof"
	"os"

	"github.com/onramp/onramp/app"
	"github.com/onramp/onramp/config"
	"github.com/onramp/onramp/database"
)

func main() {
	ctx := context.Background()
	cfg, err := config.Load(os.Getenv, config.NeedServe)
	if err != nil {
		panic(err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	db, err := database.Open(ctx, cfg.DatabaseURL, log)
	if err != nil {
		panic(err)
	}
	a, err := app.New(ctx, cfg, db, log)
	if err != nil {
		panic(err)
	}
	go http.ListenAndServe("127.0.0.1:18081", nil)
	http.ListenAndServe(cfg.HTTPAddr, a.Router)
}
