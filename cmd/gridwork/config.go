package main

import (
	"flag"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Config is the configuration of a gridwork process: defaults, overridden by
// GRIDWORK_* environment variables, overridden by flags.
type Config struct {
	DB          string        // SQLite file path, or postgres://… DSN
	Addr        string        // listen address
	PIIKey      string        // 32-byte key (base64 or hex) encrypting ID numbers and phones
	LogLevel    string        // debug, info, warn, error
	LogFormat   string        // text or json
	SessionTTL  time.Duration // absolute session lifetime
	SessionIdle time.Duration // idle timeout
	TimeZone    string        // display time zone
	ShutdownIn  time.Duration // grace period for in-flight requests on shutdown
	MediaDir    string        // where photos are stored; beside the SQLite file by default
	WorkHours   string        // daily working hours for working-time limits
	TickEvery   time.Duration // how often deadlines are checked
	GroupMax    int           // most writes (reports, transitions) sharing one durable commit
	GroupLinger time.Duration // how long the committer waits for more writes
}

func defaultConfig() Config {
	return Config{
		DB:          "gridwork.db",
		Addr:        "127.0.0.1:8080",
		LogLevel:    "info",
		LogFormat:   "text",
		SessionTTL:  12 * time.Hour,
		SessionIdle: 2 * time.Hour,
		TimeZone:    "Asia/Shanghai",
		ShutdownIn:  15 * time.Second,
		WorkHours:   "08:30-12:00,14:00-18:00",
		TickEvery:   30 * time.Second,
		GroupMax:    256,
	}
}

// bind registers the flags of c on fs, with defaults taken from the
// environment where set, so that flags override environment overrides defaults.
func (c *Config) bind(fs *flag.FlagSet, getenv func(string) string, only ...string) {
	want := func(name string) bool {
		if len(only) == 0 {
			return true
		}
		for _, o := range only {
			if o == name {
				return true
			}
		}
		return false
	}
	str := func(p *string, name, env, usage string) {
		if !want(name) {
			return
		}
		if v := getenv(env); v != "" {
			*p = v
		}
		fs.StringVar(p, name, *p, usage+" (env "+env+")")
	}
	dur := func(p *time.Duration, name, env, usage string) {
		if !want(name) {
			return
		}
		if v := getenv(env); v != "" {
			if d, err := time.ParseDuration(v); err == nil {
				*p = d
			}
		}
		fs.DurationVar(p, name, *p, usage+" (env "+env+")")
	}
	str(&c.DB, "db", "GRIDWORK_DB", "SQLite file or postgres:// DSN")
	str(&c.Addr, "addr", "GRIDWORK_ADDR", "listen address")
	str(&c.PIIKey, "pii-key", "GRIDWORK_PII_KEY", "32-byte key, base64 or hex, encrypting personal data")
	str(&c.LogLevel, "log-level", "GRIDWORK_LOG_LEVEL", "debug, info, warn or error")
	str(&c.LogFormat, "log-format", "GRIDWORK_LOG_FORMAT", "text or json")
	dur(&c.SessionTTL, "session-ttl", "GRIDWORK_SESSION_TTL", "absolute session lifetime")
	dur(&c.SessionIdle, "session-idle", "GRIDWORK_SESSION_IDLE", "session idle timeout")
	str(&c.TimeZone, "tz", "GRIDWORK_TZ", "time zone for display")
	dur(&c.ShutdownIn, "shutdown-grace", "GRIDWORK_SHUTDOWN_GRACE", "grace period for in-flight requests on shutdown")
	str(&c.MediaDir, "media-dir", "GRIDWORK_MEDIA_DIR", "folder of uploaded photos (default: beside the SQLite file)")
	str(&c.WorkHours, "work-hours", "GRIDWORK_WORK_HOURS", `daily working hours, e.g. "08:30-12:00,14:00-18:00" or "24h"`)
	dur(&c.TickEvery, "tick", "GRIDWORK_TICK", "how often deadlines, supervision and escalation are checked")
	if want("group-max") {
		if v, err := strconv.Atoi(getenv("GRIDWORK_GROUP_MAX")); err == nil {
			c.GroupMax = v
		}
		fs.IntVar(&c.GroupMax, "group-max", c.GroupMax, "most reports and transitions sharing one durable commit; 1 turns group commit off (env GRIDWORK_GROUP_MAX)")
	}
	dur(&c.GroupLinger, "group-linger", "GRIDWORK_GROUP_LINGER", "how long a commit waits for more reports to share it (0: none)")
}

func (c Config) slogLevel() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(c.LogLevel))); err != nil {
		return 0, fmt.Errorf("log level %q: want debug, info, warn or error", c.LogLevel)
	}
	return l, nil
}

// envBool reads a boolean environment variable ("1", "true").
func envBool(getenv func(string) string, name string) bool {
	b, _ := strconv.ParseBool(getenv(name))
	return b
}
