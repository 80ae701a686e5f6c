package api

import "github.com/gin-gonic/gin"

// BillingDeps are the billing services the billing routes call.
// (Filled in by the billing work.)
type BillingDeps struct{}

func mountBilling(v1 *gin.RouterGroup, d Deps) {}
