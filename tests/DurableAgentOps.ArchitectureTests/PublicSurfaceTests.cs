using Mono.Cecil;

namespace DurableAgentOps.ArchitectureTests;

/// <summary>
/// Internal by default: a layer's public types are what the layers above it use — the types they name, and the types
/// those expose in their own public signatures — and nothing more. Tests see internals through InternalsVisibleTo.
/// </summary>
public sealed class PublicSurfaceTests
{
    [Theory]
    [InlineData("DurableAgentOps.Runtime", new[] { "DurableAgentOps.Api", "DurableAgentOps.Host", "DurableAgentOps.Functions" })]
    [InlineData("DurableAgentOps.Api", new[] { "DurableAgentOps.Host", "DurableAgentOps.Functions" })]
    public void PublicTypes_Layer_AreOnlyThoseTheLayersAboveUse(string layer, string[] above)
    {
        using var module = ProductAssemblies.Read(layer);
        var users = above.Select(ProductAssemblies.Read).ToList();
        try
        {
            var needed = Needed(module, users);

            var unneeded = module.Types.Where(t => t.IsPublic && !needed.Contains(t.FullName)).Select(t => t.FullName).Order(StringComparer.Ordinal).ToList();

            Assert.True(unneeded.Count == 0, $"{layer}: public, but no layer above uses them; make them internal: {string.Join(", ", unneeded)}");
        }
        finally
        {
            users.ForEach(u => u.Dispose());
        }
    }

    /// <summary>The public types the users name, closed over the public signatures of those types.</summary>
    private static HashSet<string> Needed(ModuleDefinition module, IEnumerable<ModuleDefinition> users)
    {
        var name = module.Assembly.Name.Name;
        bool Ours(TypeReference type) => type.Scope is AssemblyNameReference scope && scope.Name == name;
        var named = users.SelectMany(u => u.GetTypeReferences().Where(Ours).Select(t => t.FullName)
            .Concat(u.GetMemberReferences().Where(m => m.DeclaringType is { } d && Ours(d)).Select(m => m.DeclaringType.FullName)));
        var types = module.Types.Where(t => t.IsPublic).ToDictionary(t => t.FullName);
        var needed = new HashSet<string>(named.Select(n => n.Split('/')[0]).Where(types.ContainsKey), StringComparer.Ordinal);
        var queue = new Queue<string>(needed);

        void Reach(TypeReference? type)
        {
            switch (type)
            {
                case null:
                    return;
                case GenericInstanceType generic:
                    Reach(generic.ElementType);
                    generic.GenericArguments.ToList().ForEach(Reach);
                    return;
                case TypeSpecification specification:
                    Reach(specification.ElementType);
                    return;
            }

            var outer = type.FullName.Split('/')[0];
            if (types.ContainsKey(outer) && needed.Add(outer))
            {
                queue.Enqueue(outer);
            }
        }

        while (queue.Count > 0)
        {
            var type = types[queue.Dequeue()];
            Reach(type.BaseType);
            type.Interfaces.Select(i => i.InterfaceType).ToList().ForEach(Reach);
            type.Fields.Where(f => f.IsPublic).Select(f => f.FieldType).ToList().ForEach(Reach);
            type.Properties.Where(p => p.GetMethod?.IsPublic == true).Select(p => p.PropertyType).ToList().ForEach(Reach);
            foreach (var method in type.Methods.Where(m => m.IsPublic))
            {
                Reach(method.ReturnType);
                method.Parameters.Select(p => p.ParameterType).ToList().ForEach(Reach);
            }
        }

        return needed;
    }
}
