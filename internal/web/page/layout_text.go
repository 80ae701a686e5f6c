package page

// layoutText is what the layout and the site's own error pages say.
var layoutText = Catalog{
	"layout.skip":   {EN: "Skip to content", FR: "Aller au contenu"},
	"layout.switch": {EN: "Français", FR: "English"},
	"layout.footer": {EN: "Onramp: mental-health support for your team, confidential by design.",
		FR: "Onramp : un soutien psychologique pour votre équipe, confidentiel par principe."},
	"error.csrf.title": {EN: "This form has expired", FR: "Ce formulaire a expiré"},
	"error.csrf.text": {EN: "For your security, please go back, reload the page and try again.",
		FR: "Pour votre sécurité, revenez en arrière, rechargez la page et réessayez."},
	"error.notfound.title": {EN: "Page not found", FR: "Page introuvable"},
	"error.notfound.text":  {EN: "This address does not lead anywhere.", FR: "Cette adresse ne mène nulle part."},
	"error.internal.title": {EN: "Something went wrong", FR: "Une erreur est survenue"},
	"error.internal.text": {EN: "We could not finish this. Please try again in a moment.",
		FR: "Nous n’avons pas pu aller au bout. Réessayez dans un instant."},
	"error.unavailable.title": {EN: "Temporarily unavailable", FR: "Momentanément indisponible"},
	"error.unavailable.text": {EN: "A service we depend on is not answering. Please try again in a few minutes.",
		FR: "Un service dont nous dépendons ne répond pas. Réessayez dans quelques minutes."},
}
