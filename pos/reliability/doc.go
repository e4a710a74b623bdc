// Package reliability is Kassa's fault-injection suite (issue 17): the same
// faults many times over the real parts — the sandbox gateway over loopback
// behind mapi/faultproxy, the reader simulator over a pty, real bbolt
// journals, a real PostgreSQL store database (store/central/pgtest) behind a
// connection-cutting proxy for journal shipping, and the kassa command
// killed with SIGKILL — counting wrong
// outcomes, double charges, lost approvals and unknowns left.
//
// The package has only tests. `go test ./pos/reliability/` runs the short
// version (a few runs of each case, what CI runs); KASSA_RELIABILITY=full
// runs the full counts, and KASSA_RELIABILITY_REPORT=FILE appends one JSON
// line per test with its figures, from which scripts/reliability.sh writes
// docs/RELIABILITY.md (`make reliability`).
package reliability
