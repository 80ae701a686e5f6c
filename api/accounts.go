package api

import "github.com/gin-gonic/gin"

// AccountDeps are the account services the account routes call.
// (Filled in by the accounts work.)
type AccountDeps struct{}

func mountAccounts(v1 *gin.RouterGroup, d Deps) {}
