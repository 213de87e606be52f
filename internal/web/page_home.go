package web

import (
	"embed"
	"html/template"
	"net/http"

	"github.com/gridwork/gridwork/internal/auth"
)

//go:embed templates/*.html
var templateFS embed.FS

// parseTemplates parses the embedded templates once, at start-up; a broken
// template fails New rather than a request.
func parseTemplates() *template.Template {
	return template.Must(template.ParseFS(templateFS, "templates/*.html"))
}

// homeText is the home page's text in one language.
type homeText struct {
	Title, Intro, SignedIn, API, Login, Switch string
}

var homeTexts = map[string]homeText{
	"zh": {Title: "Gridwork 网格化服务管理", Intro: "党建引领、网格化服务管理平台。接口文档见下。",
		SignedIn: "当前登录：", API: "接口", Login: "登录（JSON：username、password）", Switch: "English"},
	"en": {Title: "Gridwork grid-based governance", Intro: "Party-led, grid-based community governance. The API is below.",
		SignedIn: "Signed in as", API: "API", Login: "sign in (JSON: username, password)", Switch: "中文"},
}

// homePage is the typed data of templates/home.html.
type homePage struct {
	Lang, Other string
	T           homeText
	Actor       string
}

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	p := homePage{Lang: lang, Other: "en", T: homeTexts[lang]}
	if lang == "en" {
		p.Other = "zh"
	}
	if a, ok := auth.ActorFrom(r.Context()); ok {
		p.Actor = a.Name
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
	if err := s.tmpl.ExecuteTemplate(w, "home.html", p); err != nil {
		s.log.ErrorContext(r.Context(), "render home", "err", err)
	}
}
