Console.Error.WriteLine("agentops: no commands yet");
return 1;
