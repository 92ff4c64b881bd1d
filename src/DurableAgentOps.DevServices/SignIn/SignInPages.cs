using System.Text;
using DurableAgentOps.DevServices.People;

namespace DurableAgentOps.DevServices.SignIn;

/// <summary>The pages a person sees: the person picker, a refused request, and the signed-out page.</summary>
internal static class SignInPages
{
    public const string Title = "DurableAgentOps dev sign-in";

    /// <summary>One button per person; the request's parameters ride along in hidden fields.</summary>
    public static IResult Picker(DevDirectory directory, DevClient client, AuthorizeRequest request)
    {
        var body = new StringBuilder();
        body.Append("<h1>").Append(Html.Encode(Title)).Append("</h1>");
        body.Append("<p class=\"note\">Dev only: pick who you are. There is no password; anyone who reaches this page can sign in as anyone below.</p>");
        body.Append("<p>Signing in to <b>").Append(Html.Encode(client.ClientId)).Append("</b>");
        if (client.Description.Length > 0)
        {
            body.Append(" (").Append(Html.Encode(client.Description)).Append(')');
        }

        body.Append("; you return to <code>").Append(Html.Encode(request.RedirectUri)).Append("</code> with scopes <code>")
            .Append(Html.Encode(request.Scope)).Append("</code>.</p>");
        body.Append("<form method=\"post\" action=\"authorize\">");
        foreach (var (name, value) in request.Fields)
        {
            body.Append("<input type=\"hidden\" name=\"").Append(Html.Encode(name)).Append("\" value=\"").Append(Html.Encode(value)).Append("\">");
        }

        body.Append("<ul>");
        var hinted = directory.FindPerson(request.LoginHint);
        foreach (var person in directory.People)
        {
            var hint = ReferenceEquals(person, hinted);
            body.Append("<li><button type=\"submit\" name=\"person\" value=\"").Append(Html.Encode(person.UserPrincipalName)).Append('"')
                .Append(hint ? " class=\"hint\" autofocus" : string.Empty).Append('>')
                .Append("<span class=\"name\">").Append(Html.Encode(person.Name)).Append("</span> ")
                .Append("<span class=\"upn\">").Append(Html.Encode(person.UserPrincipalName)).Append("</span>")
                .Append(hint ? " <span class=\"hinted\">(suggested by login_hint)</span>" : string.Empty)
                .Append(LookAlikeNote(person.UserPrincipalName))
                .Append("<span class=\"meta roles\">roles: ").Append(Html.Encode(List(person.Roles))).Append("</span>")
                .Append("<span class=\"meta groups\">groups: ").Append(Html.Encode(List(person.Groups.Select(g => g.Name)))).Append("</span>")
                .Append("<span class=\"meta id\">object id ").Append(Html.Encode(person.Id)).Append("</span>")
                .Append("</button></li>");
        }

        body.Append("</ul></form>");
        return new HtmlPage(StatusCodes.Status200OK, Title, body.ToString(), Origin(request.RedirectUri!));
    }

    /// <summary>A request that cannot be sent back to its client (unknown client, redirect URI not allowed).</summary>
    public static IResult Refused(string problem) =>
        new HtmlPage(StatusCodes.Status400BadRequest, Title + ": request refused",
            $"<h1>{Html.Encode(Title)}</h1><h2>The sign-in request was refused</h2><p class=\"problem\">{Html.Encode(problem)}</p>"
            + "<p>Nothing was sent back to the application that asked.</p>");

    public static IResult SignedOut() =>
        new HtmlPage(StatusCodes.Status200OK, Title + ": signed out",
            $"<h1>{Html.Encode(Title)}</h1><h2>You are signed out</h2>"
            + "<p>The dev sign-in provider keeps no session: the next sign-in shows the list of people again. Close this window, or sign in again from the application.</p>");

    /// <summary>A name with letters outside ASCII may imitate another (Cyrillic 'а' for 'a'): say which, so nobody picks it by mistake.</summary>
    private static string LookAlikeNote(string name)
    {
        var foreign = name.Where(c => c > '\u007f').Distinct().Select(c => $"U+{(int)c:X4}").ToList();
        return foreign.Count == 0 ? string.Empty : $"<span class=\"meta lookalike\">not plain ASCII: {Html.Encode(string.Join(", ", foreign))}</span>";
    }

    private static string List(IEnumerable<string> items) => string.Join(", ", items) is { Length: > 0 } text ? text : "none";

    private static string Origin(string uri) => new Uri(uri).GetLeftPart(UriPartial.Authority);
}
