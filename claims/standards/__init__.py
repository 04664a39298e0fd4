"""Open standards and bulk data: schema.org ClaimReview, W3C PROV, lossless dumps."""
