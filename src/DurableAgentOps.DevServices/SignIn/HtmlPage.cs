using System.Security.Cryptography;
using System.Text;

namespace DurableAgentOps.DevServices.SignIn;

/// <summary>
/// An HTML answer of the sign-in provider: never cached, never framed, no script, and a form may post only here or
/// to the one origin the person is sent back to (Chromium applies form-action to the redirect after the post).
/// </summary>
internal sealed class HtmlPage(int status, string title, string body, string? formTarget = null) : IResult
{
    private const string Css =
        "body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:46rem;padding:0 1rem;color:#1b1b1b}" +
        ".note{background:#fff4ce;padding:.6rem .8rem;border-radius:4px}" +
        "ul{list-style:none;padding:0}li{margin:.4rem 0}" +
        "button{width:100%;text-align:left;padding:.6rem .8rem;border:1px solid #c8c8c8;border-radius:4px;background:#fff;cursor:pointer;font:inherit}" +
        "button:hover,button:focus{border-color:#0f6cbd}button.hint{border:2px solid #0f6cbd;background:#ebf3fc}" +
        ".name{font-weight:600}.upn,.id,code{font-family:ui-monospace,monospace}.meta{display:block;color:#555;font-size:.9em}";

    private static readonly string CssHash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Css)));

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = status;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = "no-cache";
        response.Headers.XFrameOptions = "DENY";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.ContentSecurityPolicy =
            $"default-src 'none'; style-src 'sha256-{CssHash}'; form-action 'self'{(formTarget is null ? string.Empty : " " + formTarget)}; frame-ancestors 'none'; base-uri 'none'";
        var html = $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{Html.Encode(title)}</title><style>{Css}</style></head>"
            + $"<body><main>{body}</main></body></html>";
        return response.WriteAsync(html, httpContext.RequestAborted);
    }
}

/// <summary>HTML encoding for text and attribute values alike (quotes included).</summary>
internal static class Html
{
    public static string Encode(string? text) => System.Text.Encodings.Web.HtmlEncoder.Default.Encode(text ?? string.Empty);
}
