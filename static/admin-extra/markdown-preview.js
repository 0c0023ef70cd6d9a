/*
 * Live preview of a Markdown body on the admin's change page.
 *
 * Without JavaScript the "Body preview" shows the saved body. With it, the preview
 * follows the textarea: the text is posted to the admin's preview endpoint, which
 * answers with the same sanitised HTML visitors get, so nothing unsafe is rendered here
 * either. If the endpoint cannot be reached the preview keeps its last content.
 */
"use strict";
{
    const DELAY_MS = 300;

    function enhance(preview) {
        const form = preview.closest("form");
        if (!form) {
            return;
        }
        const source = form.querySelector(`textarea[name="${preview.dataset.source}"]`);
        const token = form.querySelector('input[name="csrfmiddlewaretoken"]');
        if (!source || !token) {
            return;
        }
        let timer = null;
        let pending = null;

        function show(html) {
            if (html.trim()) {
                // Sanitised on the server by the same allow-list as the public pages.
                preview.innerHTML = html;
            } else {
                preview.textContent = preview.dataset.empty;
            }
            preview.dataset.state = "live";
        }

        function update() {
            if (pending) {
                pending.abort();
            }
            pending = new AbortController();
            const body = new FormData();
            body.append("text", source.value);
            fetch(preview.dataset.url, {
                method: "POST",
                body: body,
                credentials: "same-origin",
                headers: {"X-CSRFToken": token.value},
                signal: pending.signal,
            })
                .then((response) => {
                    // A redirect means the session has ended: the login page is no preview.
                    if (!response.ok || response.redirected) {
                        throw new Error(`preview answered ${response.status}`);
                    }
                    return response.text();
                })
                .then(show)
                .catch((error) => {
                    if (error.name !== "AbortError") {
                        preview.dataset.state = "error";
                    }
                });
        }

        source.addEventListener("input", () => {
            clearTimeout(timer);
            timer = setTimeout(update, DELAY_MS);
        });
    }

    function init() {
        document.querySelectorAll("[data-markdown-preview]").forEach(enhance);
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", init);
    } else {
        init();
    }
}
