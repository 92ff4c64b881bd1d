using Mono.Cecil;

namespace DurableAgentOps.ArchitectureTests;

/// <summary>
/// Which namespace of an assembly uses which, read from its compiled types: signatures, attributes and every type,
/// method and field an instruction names, with compiler-generated types (closures, state machines, records' members)
/// counted in the namespace of the type that declares them. Only the product's own namespaces are nodes.
/// </summary>
internal sealed class NamespaceGraph
{
    private readonly Dictionary<string, Dictionary<string, string>> edges = new(StringComparer.Ordinal);

    private NamespaceGraph()
    {
    }

    public IReadOnlyCollection<string> Namespaces => edges.Keys;

    public IReadOnlyDictionary<string, string> UsesOf(string ns) => edges.TryGetValue(ns, out var to) ? to : new Dictionary<string, string>();

    public static NamespaceGraph Of(ModuleDefinition module)
    {
        var graph = new NamespaceGraph();
        foreach (var type in module.GetTypes())
        {
            var from = NamespaceOf(type);
            if (!IsProduct(from))
            {
                continue;
            }

            graph.edges.TryAdd(from, new Dictionary<string, string>(StringComparer.Ordinal));
            foreach (var used in References(type))
            {
                if (used.Module == module && used is TypeDefinition target && NamespaceOf(target) is var to && to != from && IsProduct(to))
                {
                    graph.edges[from].TryAdd(to, $"{Outermost(type).FullName} uses {target.FullName}");
                }
            }
        }

        return graph;
    }

    /// <summary>
    /// Which namespace uses which by the project's source: each file's <c>using</c> lines of its own assembly's
    /// namespaces. Catches what the compiled graph cannot see: a constant (or an enum value) is copied into its user at
    /// compile time, so the assembly keeps no reference to the type that declares it.
    /// </summary>
    public static NamespaceGraph OfSources(string projectDirectory)
    {
        var graph = new NamespaceGraph();
        var files = Directory.EnumerateFiles(projectDirectory, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Order(StringComparer.Ordinal)
            .Select(f => (File: f, Lines: File.ReadAllLines(f)))
            .Select(f => (f.File, Namespace: f.Lines.Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("namespace ", StringComparison.Ordinal))?[10..].TrimEnd(';', ' '), f.Lines))
            .Where(f => f.Namespace is not null && IsProduct(f.Namespace))
            .ToList();
        var own = files.Select(f => f.Namespace!).ToHashSet(StringComparer.Ordinal);
        foreach (var (file, from, lines) in files)
        {
            graph.edges.TryAdd(from!, new Dictionary<string, string>(StringComparer.Ordinal));
            foreach (var line in lines.Select(l => l.Trim()).Where(l => l.StartsWith("using ", StringComparison.Ordinal) && l.EndsWith(';')))
            {
                var to = line[6..^1].Trim();
                if (to != from && own.Contains(to))
                {
                    graph.edges[from!].TryAdd(to, $"{Path.GetRelativePath(projectDirectory, file)} has '{line}'");
                }
            }
        }

        return graph;
    }

    /// <summary>Every group of namespaces that reach each other (strongly connected, more than one), each as "A -> B (why)" lines.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        var cycles = new List<IReadOnlyList<string>>();
        foreach (var component in StronglyConnected().Where(c => c.Count > 1))
        {
            var members = component.ToHashSet(StringComparer.Ordinal);
            cycles.Add([.. component.Order(StringComparer.Ordinal).SelectMany(from => UsesOf(from)
                .Where(e => members.Contains(e.Key)).Select(e => $"{from} -> {e.Key} ({e.Value})"))]);
        }

        return cycles;
    }

    /// <summary>Tarjan's algorithm over the namespace edges.</summary>
    private List<List<string>> StronglyConnected()
    {
        var index = 0;
        var indices = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<List<string>>();

        void Visit(string v)
        {
            indices[v] = low[v] = index++;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in UsesOf(v).Keys)
            {
                if (!indices.ContainsKey(w))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w))
                {
                    low[v] = Math.Min(low[v], indices[w]);
                }
            }

            if (low[v] == indices[v])
            {
                var component = new List<string>();
                string w;
                do
                {
                    w = stack.Pop();
                    onStack.Remove(w);
                    component.Add(w);
                }
                while (w != v);
                result.Add(component);
            }
        }

        foreach (var v in edges.Keys.Order(StringComparer.Ordinal))
        {
            if (!indices.ContainsKey(v))
            {
                Visit(v);
            }
        }

        return result;
    }

    /// <summary>The <c>typeof(...)</c> arguments of an attribute; an argument of an enum from an assembly not at hand cannot be read and names no type anyway.</summary>
    private static IEnumerable<TypeReference> TypeArguments(CustomAttribute attribute)
    {
        try
        {
            return [.. attribute.ConstructorArguments.Select(a => a.Value).OfType<TypeReference>()];
        }
        catch (AssemblyResolutionException)
        {
            return [];
        }
    }

    private static bool IsProduct(string ns) => ns.StartsWith("DurableAgentOps", StringComparison.Ordinal);

    private static TypeDefinition Outermost(TypeDefinition type) => type.DeclaringType is { } outer ? Outermost(outer) : type;

    private static string NamespaceOf(TypeDefinition type) => Outermost(type).Namespace;

    private static IEnumerable<TypeReference> References(TypeDefinition type)
    {
        var found = new List<TypeReference>();
        void Add(TypeReference? reference)
        {
            switch (reference)
            {
                case null or GenericParameter:
                    return;
                case GenericInstanceType generic:
                    Add(generic.ElementType);
                    foreach (var argument in generic.GenericArguments)
                    {
                        Add(argument);
                    }

                    return;
                case TypeSpecification specification:
                    Add(specification.ElementType);
                    return;
                default:
                    found.Add(reference);
                    return;
            }
        }

        void AddMethod(MethodReference method)
        {
            Add(method.DeclaringType);
            Add(method.ReturnType);
            foreach (var parameter in method.Parameters)
            {
                Add(parameter.ParameterType);
            }

            if (method is GenericInstanceMethod generic)
            {
                foreach (var argument in generic.GenericArguments)
                {
                    Add(argument);
                }
            }
        }

        void AddAttributes(ICustomAttributeProvider provider)
        {
            foreach (var attribute in provider.CustomAttributes)
            {
                Add(attribute.AttributeType);
                foreach (var argument in TypeArguments(attribute))
                {
                    Add(argument);
                }
            }
        }

        Add(type.BaseType);
        AddAttributes(type);
        foreach (var implemented in type.Interfaces)
        {
            Add(implemented.InterfaceType);
        }

        foreach (var field in type.Fields)
        {
            Add(field.FieldType);
            AddAttributes(field);
        }

        foreach (var property in type.Properties)
        {
            Add(property.PropertyType);
            AddAttributes(property);
        }

        foreach (var method in type.Methods)
        {
            AddMethod(method);
            AddAttributes(method);
            foreach (var parameter in method.Parameters)
            {
                AddAttributes(parameter);
            }

            if (!method.HasBody)
            {
                continue;
            }

            foreach (var variable in method.Body.Variables)
            {
                Add(variable.VariableType);
            }

            foreach (var instruction in method.Body.Instructions)
            {
                switch (instruction.Operand)
                {
                    case TypeReference operandType:
                        Add(operandType);
                        break;
                    case MethodReference operandMethod:
                        AddMethod(operandMethod);
                        break;
                    case FieldReference operandField:
                        Add(operandField.DeclaringType);
                        Add(operandField.FieldType);
                        break;
                }
            }
        }

        return found;
    }
}
