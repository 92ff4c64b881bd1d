// The ASP.NET Core namespaces every endpoint file uses (a Web SDK project would have them implicitly).
global using Microsoft.AspNetCore.Builder;
global using Microsoft.AspNetCore.Http;
global using Microsoft.AspNetCore.Routing;
