package console

import "github.com/onramp/onramp/internal/web/page"

// commonText is what the console's pages share (navigation, sign-in,
// forms, notices, conflicts); each area's own texts sit beside it
// (text_checklist.go, text_reports.go), all passed to page.Site.Templates.
var commonText = page.Catalog{
	"nav.console":    {EN: "Console", FR: "Console"},
	"nav.label":      {EN: "Console sections", FR: "Rubriques de la console"},
	"nav.steps":      {EN: "Checklist", FR: "Checklist"},
	"nav.versions":   {EN: "Versions", FR: "Versions"},
	"nav.activation": {EN: "Activation", FR: "Activation"},
	"nav.nudges":     {EN: "Nudges", FR: "Relances"},
	"nav.metrics":    {EN: "Metrics", FR: "Indicateurs"},
	"nav.audit":      {EN: "Audit log", FR: "Journal d’audit"},
	"nav.support":    {EN: "Support", FR: "Support"},
	"nav.signout":    {EN: "Sign out", FR: "Se déconnecter"},

	"login.title":           {EN: "Sign in to the console", FR: "Connexion à la console"},
	"login.intro":           {EN: "The console is for Onramp staff.", FR: "La console est réservée à l’équipe Onramp."},
	"login.email":           {EN: "Email", FR: "Adresse e-mail"},
	"login.password":        {EN: "Password", FR: "Mot de passe"},
	"login.submit":          {EN: "Sign in", FR: "Se connecter"},
	"login.signed_out":      {EN: "You are signed out.", FR: "Vous êtes déconnecté."},
	"login.bad_credentials": {EN: "This email and password do not match.", FR: "Cette adresse e-mail et ce mot de passe ne correspondent pas."},
	"login.not_staff": {EN: "This account is not an Onramp staff account: the console is for staff only. Customers use the Onramp application.",
		FR: "Ce compte n’est pas un compte de l’équipe Onramp : la console lui est réservée. Les clients utilisent l’application Onramp."},
	"login.rate_limited": {EN: "Too many attempts. Please wait a few minutes before trying again.",
		FR: "Trop de tentatives. Patientez quelques minutes avant de réessayer."},
	"login.err.email":    {EN: "Enter the email address you sign in with.", FR: "Saisissez l’adresse e-mail avec laquelle vous vous connectez."},
	"login.err.password": {EN: "Enter your password.", FR: "Saisissez votre mot de passe."},

	"form.fix":     {EN: "Please correct the fields marked below.", FR: "Veuillez corriger les champs signalés ci-dessous."},
	"form.invalid": {EN: "Something in this form is not valid.", FR: "Une information de ce formulaire n’est pas valide."},
	"form.cancel":  {EN: "Cancel", FR: "Annuler"},

	"notice.created":    {EN: "The step is added to the draft.", FR: "L’étape est ajoutée au brouillon."},
	"notice.updated":    {EN: "The step is saved.", FR: "L’étape est enregistrée."},
	"notice.deleted":    {EN: "The step is removed from the draft.", FR: "L’étape est retirée du brouillon."},
	"notice.moved":      {EN: "The order is saved.", FR: "L’ordre est enregistré."},
	"notice.published":  {EN: "A new version is published: companies move to it on their next visit.", FR: "Une nouvelle version est publiée : les entreprises y passent à leur prochaine visite."},
	"notice.activation": {EN: "The activation definition is saved.", FR: "La définition de l’activation est enregistrée."},
	"notice.nudge":      {EN: "The nudge is saved.", FR: "La relance est enregistrée."},

	"conflict.step_exists":    {EN: "The draft already has a step with this key.", FR: "Le brouillon a déjà une étape avec cette clé."},
	"conflict.too_many_steps": {EN: "The draft holds at most 50 steps.", FR: "Le brouillon compte au plus 50 étapes."},
	"conflict.draft_empty":    {EN: "The draft has no steps to publish.", FR: "Le brouillon n’a aucune étape à publier."},
	"conflict.draft_unchanged": {EN: "The draft is the same as the latest version: there is nothing new to publish.",
		FR: "Le brouillon est identique à la dernière version : il n’y a rien de nouveau à publier."},
	"conflict.activation_step_removed": {EN: "The activation definition requires a step the draft no longer has: change the definition first.",
		FR: "La définition de l’activation exige une étape que le brouillon n’a plus : modifiez d’abord la définition."},
	"conflict.nudge_exists": {EN: "A nudge with this key already exists.", FR: "Une relance avec cette clé existe déjà."},
	"conflict.not_found":    {EN: "This no longer exists: someone may have removed it meanwhile.", FR: "Cet élément n’existe plus : quelqu’un l’a peut-être supprimé entre-temps."},
	"conflict.other":        {EN: "This change is not possible right now.", FR: "Cette modification n’est pas possible pour le moment."},

	"role.owner":         {EN: "Owners", FR: "Propriétaires"},
	"role.admin":         {EN: "Admins", FR: "Administrateurs"},
	"role.member":        {EN: "Members", FR: "Membres"},
	"scope.organization": {EN: "Company", FR: "Entreprise"},
	"scope.member":       {EN: "Each member", FR: "Chaque membre"},
	"completion.manual":  {EN: "Ticked off by hand", FR: "Cochée à la main"},
	"completion.event":   {EN: "Done by events", FR: "Validée par des événements"},

	"range.from":       {EN: "From", FR: "Du"},
	"range.to":         {EN: "To (not included)", FR: "Au (exclu)"},
	"range.show":       {EN: "Show", FR: "Afficher"},
	"range.err.date":   {EN: "Enter a date as YYYY-MM-DD.", FR: "Saisissez une date au format AAAA-MM-JJ."},
	"range.err.to":     {EN: "Enter an end date after the start date, at most 1,100 days later.", FR: "Saisissez une date de fin postérieure à la date de début, à 1 100 jours au plus."},
	"range.err.source": {EN: "Enter a source of at most 200 characters.", FR: "Saisissez une source de 200 caractères au plus."},
}
