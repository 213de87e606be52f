// Package people holds residents and party organisations: national ID and
// phone validation, encryption of personal data at rest with blind indexes
// for exact lookup, masking for display, the audit of every full view of a
// person's data (pii_views), the party-organisation tree with its members
// and coverage, and the batch API the Excel ledger importer and exporter use.
//
// People knows households and regions only by their IDs and materialised
// paths; it reads those tables directly and does not import the territory
// package.
package people
