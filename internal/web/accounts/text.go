package accounts

import "github.com/onramp/onramp/internal/web/page"

// What the account pages say, in English and French.

var commonText = page.Catalog{
	"app.open":     {EN: "Go to the app", FR: "Aller sur l’application"},
	"form.problem": {EN: "Please correct the following:", FR: "Merci de corriger ce qui suit :"},
}

var signupText = page.Catalog{
	"signup.title": {EN: "Start with Onramp", FR: "Commencer avec Onramp"},
	"signup.lead": {EN: "Choose a plan and create your company’s account. You pay securely with Stripe on the next page.",
		FR: "Choisissez une formule et créez le compte de votre entreprise. Vous réglez ensuite en toute sécurité sur la page de paiement Stripe."},
	"signup.plan":         {EN: "Plan", FR: "Formule"},
	"signup.seats_range":  {EN: "%d to %d seats", FR: "De %d à %d sièges"},
	"signup.trial":        {EN: "%d-day free trial", FR: "%d jours d’essai gratuit"},
	"signup.no_card":      {EN: "No card needed for the trial", FR: "Aucune carte bancaire pour l’essai"},
	"signup.seats":        {EN: "Seats", FR: "Nombre de sièges"},
	"signup.seats_hint":   {EN: "One seat per employee who will use Onramp. You can change it later.", FR: "Un siège par salarié qui utilisera Onramp. Vous pourrez le modifier ensuite."},
	"signup.company":      {EN: "Company name", FR: "Nom de l’entreprise"},
	"signup.full_name":    {EN: "Your full name", FR: "Vos prénom et nom"},
	"signup.email":        {EN: "Work email", FR: "E-mail professionnel"},
	"signup.email_hint":   {EN: "We send a link to confirm it. You sign in with it.", FR: "Nous y envoyons un lien pour le confirmer. C’est votre identifiant de connexion."},
	"signup.password":     {EN: "Password", FR: "Mot de passe"},
	"signup.next":         {EN: "Next: payment with Stripe. Nothing is charged before you confirm there.", FR: "Étape suivante : le paiement avec Stripe. Rien n’est débité avant votre confirmation sur cette page."},
	"signup.submit":       {EN: "Create the account and continue to payment", FR: "Créer le compte et passer au paiement"},
	"signup.email_taken":  {EN: "An account already uses this email address. Sign in to the app with it, or use another address.", FR: "Un compte utilise déjà cette adresse e-mail. Connectez-vous à l’application avec elle, ou choisissez une autre adresse."},
	"signup.rate_limited": {EN: "Too many accounts were created from your network in the last hour. Please try again later.", FR: "Trop de comptes ont été créés depuis votre réseau au cours de la dernière heure. Réessayez plus tard."},
	"signup.plan_missing": {EN: "Choose one of the plans.", FR: "Choisissez l’une des formules."},
	"signup.seats_bounds": {EN: "On the %s plan, choose from %d to %d seats.", FR: "Avec la formule %s, choisissez entre %d et %d sièges."},
}

// fieldText are the problems a field can have.
var fieldText = page.Catalog{
	"field.required":          {EN: "This field is required.", FR: "Ce champ est obligatoire."},
	"field.too_long":          {EN: "Use at most %d characters.", FR: "%d caractères au maximum."},
	"field.invisible":         {EN: "Remove line breaks, tabs and invisible characters.", FR: "Retirez les retours à la ligne, tabulations et caractères invisibles."},
	"field.link":              {EN: "A name cannot contain a web address.", FR: "Un nom ne peut pas contenir d’adresse web."},
	"field.email":             {EN: "Enter an email address, such as name@company.com.", FR: "Saisissez une adresse e-mail, par exemple nom@entreprise.fr."},
	"field.password_length":   {EN: "Use %d to %d characters.", FR: "Utilisez entre %d et %d caractères."},
	"field.password_hint":     {EN: "%d to %d characters. A few words you will remember work well.", FR: "Entre %d et %d caractères. Quelques mots faciles à retenir font très bien l’affaire."},
	"field.password_mismatch": {EN: "The two passwords are not the same.", FR: "Les deux mots de passe ne sont pas identiques."},
	"field.invalid":           {EN: "Check this field.", FR: "Vérifiez ce champ."},
}

// linkText is what the pages of emailed links say.
var linkText = page.Catalog{
	"link.dead.title": {EN: "This link no longer works", FR: "Ce lien ne fonctionne plus"},
	"link.verify.dead": {EN: "It was already used, or it is more than a day old. If you have already confirmed your address, there is nothing more to do. Otherwise, sign in to the app: it can send you a new link (you need to be signed in to ask for one).",
		FR: "Il a déjà servi, ou date de plus d’un jour. Si vous avez déjà confirmé votre adresse, il n’y a rien d’autre à faire. Sinon, connectez-vous à l’application : elle peut vous envoyer un nouveau lien (il faut être connecté pour en demander un)."},
	"link.reset.dead": {EN: "It was already used, or it is more than an hour old. Ask for a new one from the app’s sign-in page (“Forgot your password?”).",
		FR: "Il a déjà servi, ou date de plus d’une heure. Demandez-en un nouveau depuis la page de connexion de l’application (« Mot de passe oublié ? »)."},
	"link.invitation.dead": {EN: "This invitation was already accepted, withdrawn, or it has expired. Ask the person who invited you to send a new one.",
		FR: "Cette invitation a déjà été acceptée, a été retirée ou a expiré. Demandez à la personne qui vous a invité de vous en envoyer une nouvelle."},

	"verify.title":      {EN: "Confirm your email address", FR: "Confirmez votre adresse e-mail"},
	"verify.text":       {EN: "Press the button to confirm that this address is yours.", FR: "Appuyez sur le bouton pour confirmer que cette adresse est bien la vôtre."},
	"verify.button":     {EN: "Confirm my address", FR: "Confirmer mon adresse"},
	"verify.done.title": {EN: "Your email address is confirmed", FR: "Votre adresse e-mail est confirmée"},
	"verify.done.text":  {EN: "Thank you: your email address is confirmed.", FR: "Merci : votre adresse e-mail est confirmée."},
	"verify.done.next": {EN: "Next, sign in to the app to invite your team: each person gets an email to join.",
		FR: "Prochaine étape : connectez-vous à l’application pour inviter votre équipe. Chaque personne recevra un e-mail pour la rejoindre."},

	"reset.title":      {EN: "Choose a new password", FR: "Choisissez un nouveau mot de passe"},
	"reset.lead":       {EN: "Once it is changed, you are signed out everywhere.", FR: "Une fois le mot de passe changé, vous serez déconnecté partout."},
	"reset.password":   {EN: "New password", FR: "Nouveau mot de passe"},
	"reset.confirm":    {EN: "New password, again", FR: "Confirmez le nouveau mot de passe"},
	"reset.submit":     {EN: "Change my password", FR: "Changer mon mot de passe"},
	"reset.done.title": {EN: "Your password is changed", FR: "Votre mot de passe est modifié"},
	"reset.done.text":  {EN: "Your new password is saved, and you were signed out of every device.", FR: "Votre nouveau mot de passe est enregistré, et vous avez été déconnecté de tous vos appareils."},
	"reset.done.next":  {EN: "Sign in to the app with your new password.", FR: "Connectez-vous à l’application avec votre nouveau mot de passe."},

	"invitation.title":      {EN: "Join your team on Onramp", FR: "Rejoindre votre équipe sur Onramp"},
	"invitation.heading":    {EN: "Join %s on Onramp", FR: "Rejoindre %s sur Onramp"},
	"invitation.lead":       {EN: "You were invited as %s. Choose how you will sign in.", FR: "Vous avez été invité à l’adresse %s. Choisissez comment vous vous connecterez."},
	"invitation.password":   {EN: "Choose a password", FR: "Choisissez un mot de passe"},
	"invitation.submit":     {EN: "Join", FR: "Rejoindre"},
	"invitation.done.title": {EN: "Welcome aboard", FR: "Bienvenue"},
	"invitation.done.text":  {EN: "You are now a member of %s.", FR: "Vous faites désormais partie de %s."},
	"invitation.done.next": {EN: "Sign in to the app with your email address and the password you chose. Your employer never sees how you use the service.",
		FR: "Connectez-vous à l’application avec votre adresse e-mail et le mot de passe choisi. Votre employeur ne voit jamais comment vous utilisez le service."},
	"invitation.email_taken": {EN: "An Onramp account already uses this address. Sign in to the app with it and accept the invitation from there, or ask the person who invited you.",
		FR: "Un compte Onramp utilise déjà cette adresse. Connectez-vous à l’application avec elle et acceptez l’invitation depuis celle-ci, ou adressez-vous à la personne qui vous a invité."},
	"invitation.already_member": {EN: "You are already a member of this company: sign in to the app.", FR: "Vous faites déjà partie de cette entreprise : connectez-vous à l’application."},
	"invitation.seats_exhausted": {EN: "Your company has no seat left for you at the moment. Ask your administrator to add seats, then try again.",
		FR: "Votre entreprise n’a plus de siège disponible pour le moment. Demandez à votre administrateur d’en ajouter, puis réessayez."},
}

// checkoutText is what the pages around Stripe Checkout say.
var checkoutText = page.Catalog{
	"checkout.success.title": {EN: "Thank you!", FR: "Merci !"},
	"checkout.success.text": {EN: "Stripe has your payment details. It confirms the payment to us within a few moments, and your subscription then starts.",
		FR: "Stripe a bien reçu vos informations de paiement. Il nous confirme le paiement d’ici quelques instants, et votre abonnement démarre alors."},
	"checkout.success.next": {EN: "What comes next: confirm your email address with the link we sent you, then sign in to the app and invite your team.",
		FR: "La suite : confirmez votre adresse e-mail grâce au lien que nous vous avons envoyé, puis connectez-vous à l’application pour inviter votre équipe."},
	"checkout.subscribed.text": {EN: "Your company already has a subscription: there is nothing more to pay.",
		FR: "Votre entreprise a déjà un abonnement : il n’y a plus rien à régler."},
	"checkout.retry.expired": {EN: "The payment page can only be reopened from here for an hour after signing up. Your account exists: sign in to the app to choose your plan.",
		FR: "La page de paiement ne peut être rouverte d’ici que pendant l’heure qui suit l’inscription. Votre compte existe bien : connectez-vous à l’application pour choisir votre formule."},

	"pending.title": {EN: "Your account is ready", FR: "Votre compte est prêt"},
	"pending.problem": {EN: "We could not open the payment page: our payment provider is not answering right now.",
		FR: "Nous n’avons pas pu ouvrir la page de paiement : notre prestataire de paiement ne répond pas pour le moment."},
	"pending.again": {EN: "The payment provider is still not answering. Please try again in a few minutes.",
		FR: "Le prestataire de paiement ne répond toujours pas. Réessayez dans quelques minutes."},
	"pending.safe": {EN: "Nothing was charged, and your account is safe: you do not need to sign up again. We have sent you an email to confirm your address.",
		FR: "Rien n’a été débité et votre compte est bien enregistré : inutile de vous réinscrire. Nous vous avons envoyé un e-mail pour confirmer votre adresse."},
	"pending.retry": {EN: "Try the payment page again", FR: "Réessayer d’ouvrir la page de paiement"},
	"pending.later": {EN: "This button works from this browser for an hour. Later, sign in to the app to choose your plan.",
		FR: "Ce bouton fonctionne depuis ce navigateur pendant une heure. Ensuite, connectez-vous à l’application pour choisir votre formule."},

	"cancel.title":   {EN: "Payment cancelled", FR: "Paiement annulé"},
	"cancel.nothing": {EN: "Nothing was charged.", FR: "Rien n’a été débité."},
	"cancel.account": {EN: "Your company’s account was created all the same: you do not need to sign up again.",
		FR: "Le compte de votre entreprise a tout de même été créé : inutile de vous réinscrire."},
	"cancel.retry": {EN: "Back to the payment page", FR: "Revenir à la page de paiement"},
	"cancel.later": {EN: "To subscribe later, sign in to the app with your email address and password, and choose your plan there.",
		FR: "Pour vous abonner plus tard, connectez-vous à l’application avec votre adresse e-mail et votre mot de passe, puis choisissez votre formule."},
}
